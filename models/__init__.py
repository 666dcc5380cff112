"""SmartTag: a trainable neural call tagger, its baseline, training gates, registry and presets."""
