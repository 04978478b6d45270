// SlopeTrain: see DESIGN.md.
