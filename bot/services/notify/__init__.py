"""What the bot sends unasked: the outbox (queued, deduplicated, delivered once) and digests."""
