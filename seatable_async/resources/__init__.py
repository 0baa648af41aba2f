"""One module per SeaTable API group; each contributes methods to the clients."""
