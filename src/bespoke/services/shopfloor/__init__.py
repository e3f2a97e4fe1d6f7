"""The shop floor: work orders from the schedule, what operators book on them, and what
the floor has done flowing back into the plan; machines watched through their feeds."""
