"""Privacy and security rules for a shared lab PC.

Small, GUI-free checks the rest of the core calls: who counts as an OS
administrator, which hosts a URL really points at, how the data folder must be
protected. Why each exists is in docs/THREAT_MODEL.md.
"""
