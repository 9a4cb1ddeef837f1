"""The shared pool of peer-reviewed resources."""
