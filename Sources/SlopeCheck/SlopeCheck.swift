// SlopeCheck: see DESIGN.md.
