"""certledger's command line: parse, call the application or a projection, print."""
