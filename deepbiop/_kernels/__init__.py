"""Private compiled kernels; nothing here is imported by users."""
