"""certledger's write side: the referential, the aggregates, the rules and the application."""
