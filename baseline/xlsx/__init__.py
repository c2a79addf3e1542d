"""Everything that touches Excel files. The pure core (guideline, assessment, merge, summary) never imports this."""
