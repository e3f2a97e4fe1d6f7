"""Work orders on the floor: their state machine, what operators book, travellers."""
