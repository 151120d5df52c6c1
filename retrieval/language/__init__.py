"""What the text says, in Chinese: tokens, numbers with their units, places, metrics."""
