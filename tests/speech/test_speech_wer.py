import pytest

pytest.importorskip("jiwer", reason="jiwer is needed for WER (pip install jiwer)")

from speech.wer import normalize_words, word_error_rate


def test_wer_ignores_case_yo_and_punctuation():
    assert normalize_words("Ещё раз, Алло!") == "еще раз алло"
    assert word_error_rate(["Ещё раз, алло!"], ["еще раз алло"]) == 0.0


def test_wer_counts_edits_over_reference_words():
    # one substitution + one deletion over 4 reference words; one insertion over 2
    assert word_error_rate(["я хочу взять ипотеку"], ["я хочу ипотека"]) == pytest.approx(0.5)
    assert word_error_rate(["a b", "c d"], ["a b x", "c d"]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="no reference words"):
        word_error_rate([""], ["x"])
