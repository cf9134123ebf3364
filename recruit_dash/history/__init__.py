"""The upload history: every weekly upload kept, its versions, and what moved between them,
behind one interface with a backend per database."""
