/* Placeholder: the real library comes from Debian through dependency(). */
