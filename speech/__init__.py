"""Speech analytics: transcription rules, audio decoding, recognition, intonation features."""
