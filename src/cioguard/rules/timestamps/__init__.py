"""Rules about timestamp units."""
