"""The dispatcher's consumers: the registry fold, the sender, and chat pushes."""
