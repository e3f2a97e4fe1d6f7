"""Many orders made together: batches by set-up, parts nested on sheets, builds packed."""
