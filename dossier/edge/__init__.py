"""What web pages and the JSON API share at the edge: who is asking, limits, headers, language."""
