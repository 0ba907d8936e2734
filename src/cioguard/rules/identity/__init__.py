"""Rules about people: ids, identify and event ids."""
