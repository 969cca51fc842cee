"""Platform adapters. The contract lives in :mod:`launcher.adapters.base`."""
