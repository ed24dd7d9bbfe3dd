"""Where descriptors come from: local files and folders, git changes, Bitbucket URLs, discovery."""
