"""Pure rendering helpers: IR, mappings and traces -> DOT, SVG and figures (no widgets)."""
