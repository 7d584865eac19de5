"""Cross-cutting helpers every layer may use: settings, paths, clock, company facts, keys, limits,
quiet logging."""
