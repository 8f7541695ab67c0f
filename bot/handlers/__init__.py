"""Channel adapters: each translates its messenger to and from the neutral core, nothing more."""
