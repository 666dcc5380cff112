from models.features import encode_documents, token_words
from models.text import Document, document_from_turns, flatten_prosody, lemmas
from models.tokenizer import train_wordpiece


def test_inflected_forms_map_to_one_lemma():
    assert set(lemmas("ипотеку ипотекой ипотеки")) == {"ипотека"}
    assert lemmas("Звонила")[0] == lemmas("звонил")[0] == lemmas("звонят")[0]
    assert lemmas("красивая красивое")[0] == lemmas("красивый")[0]


def test_yo_and_case_fold():
    assert lemmas("ЁЛКА") == lemmas("елка")


def test_speaker_markers_and_token_types():
    doc = document_from_turns(
        [{"speaker": "client", "text": "хочу ипотеку"}, {"speaker": "employee", "text": "хорошо"}]
    )
    words = token_words(doc, use_lemmas=True)
    assert words[:3] == ["[CLIENT]", "хотеть", "ипотека"]
    assert words[3] == "[EMPLOYEE]"
    tokenizer = train_wordpiece([" ".join(words)] * 3, vocab_size=200, min_frequency=1)
    encoded = encode_documents(tokenizer, [doc], 32, True, typed=True)
    ids = encoded["input_ids"][0].tolist()
    types = encoded["token_type_ids"][0].tolist()
    employee_at = ids.index(tokenizer.convert_tokens_to_ids("[EMPLOYEE]"))
    sep_at = ids.index(tokenizer.sep_token_id)
    assert ids.index(tokenizer.convert_tokens_to_ids("[CLIENT]")) < employee_at
    assert set(types[1:employee_at]) == {0}
    assert set(types[employee_at:sep_at]) == {1}


def test_documents_from_warehouse_shapes():
    doc = document_from_turns(
        [["operator", "добрый день"], {"speaker": "client", "text": None}],
        {"client": {"pitch_mean": 180.5, "voiced": True}, "bad": "x"},
    )
    assert doc.turns == (("employee", "добрый день"), ("client", ""))
    assert doc.prosody == {"client.pitch_mean": 180.5, "client.voiced": 1.0}
    assert Document(turns=(("client", "  "),)).is_empty
    assert flatten_prosody(None) == {}


def test_wordpiece_vocabulary_is_the_same_on_every_run():
    # many equally frequent pairs: the merges the trainer picks depend on how ties are broken
    texts = [
        " ".join(f"{a}{b}{c}" for a in "абвгд" for b in "ежзик" for c in "лмноп"),
        "ипотека ипотеки квартира квартиры рассрочка рассрочки",
    ] * 2
    vocabularies = [train_wordpiece(texts, vocab_size=120).get_vocab() for _ in range(8)]
    assert all(vocab == vocabularies[0] for vocab in vocabularies)
    tokenizer = train_wordpiece(texts, vocab_size=120)
    # the word-continuation pieces are ordinary vocabulary, never special tokens
    assert "##а" in tokenizer.get_vocab() or "##б" in tokenizer.get_vocab()
    assert not any(token.startswith("##") for token in tokenizer.all_special_tokens)
    assert tokenizer.decode(tokenizer("ипотеки")["input_ids"], skip_special_tokens=True) == (
        "ипотеки"
    )


def test_char_gram_hasher_equals_scikit_learns_char_wb():
    from sklearn.feature_extraction.text import HashingVectorizer

    from models.linear import CharGramHasher, _surface_text

    docs = [
        Document.from_text("Хочу  взять ипотеку,\tипотеку на Квартиру!"),
        Document.from_text("Ёлка ЕЛКА а я"),
        Document.from_text(""),
        document_from_turns([["client", "да"], ["employee", "ипотека одобрена"]]),
    ]
    reference = HashingVectorizer(
        n_features=2**12,
        alternate_sign=False,
        norm=None,
        preprocessor=_surface_text,
        analyzer="char_wb",
        ngram_range=(2, 5),
    ).transform(docs)
    ours = CharGramHasher(2**12, _surface_text)
    for _ in range(2):  # the second pass reads the words' n-grams from the cache
        matrix = ours.transform(docs)
        assert matrix.shape == reference.shape
        assert abs(matrix - reference).max() == 0
