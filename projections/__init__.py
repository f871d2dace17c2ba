"""certledger's read side: pure functions of events, and the views that cache them."""
