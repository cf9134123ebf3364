"""From bytes to the model: reading, checks before parsing, the isolated child, header and role
understanding, vocabulary, typing cells, row rules, names, mapping profiles and what we understood."""
