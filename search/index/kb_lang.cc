/* kb_lang.cc -- language helpers both sides share: locales, stemmers,
 * CJK characters, German compound endings, and the TermGenerator set-up
 * that makes the indexer and the query split text the same way. */
#include "kb_private.hh"

std::string kb_lower_ascii(const char *s)
{
    std::string r(s ? s : "");
    for (char &c : r)
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
    return r;
}

std::string kb_locale_lang(const std::string &locale)
{
    size_t n = locale.find_first_of("-_");
    return kb_lower_ascii(locale.substr(0, n).c_str());
}

Xapian::Stem kb_stem_for(const std::string &locale)
{
    static const struct {
        const char *lang, *stemmer;
    } map[] = {
        {"en", "english"},  {"ru", "russian"},    {"de", "german"},
        {"fr", "french"},   {"es", "spanish"},    {"pt", "portuguese"},
        {"it", "italian"},  {"nl", "dutch"},      {"sv", "swedish"},
        {"da", "danish"},   {"fi", "finnish"},    {"no", "norwegian"},
        {"nb", "norwegian"}, {"hu", "hungarian"}, {"ro", "romanian"},
        {"tr", "turkish"},
    };
    std::string lang = kb_locale_lang(locale);
    for (const auto &m : map)
        if (lang == m.lang)
            return Xapian::Stem(m.stemmer);
    return Xapian::Stem(); /* CJK and unknown: no stemming */
}

bool kb_is_cjk_locale(const std::string &locale)
{
    std::string lang = kb_locale_lang(locale);
    return lang == "zh" || lang == "ja" || lang == "ko";
}

bool kb_spelling_word(const std::string &word)
{
    size_t n = 0;
    for (Xapian::Utf8Iterator u(word); u != Xapian::Utf8Iterator(); ++u, ++n) {
        unsigned ch = *u;
        if (kb_is_cjk(ch))
            return false;
        Xapian::Unicode::category c = Xapian::Unicode::get_category(ch);
        if (c != Xapian::Unicode::LOWERCASE_LETTER && c != Xapian::Unicode::OTHER_LETTER &&
            c != Xapian::Unicode::MODIFIER_LETTER)
            return false;
    }
    return n >= KB_SPELL_MIN_WORD;
}

bool kb_splits_compounds(const std::string &locale)
{
    return kb_locale_lang(locale) == "de";
}

void kb_compound_parts(const std::string &word, const Xapian::Stem &stem,
                       std::vector<std::string> *out)
{
    std::vector<size_t> starts; /* byte offset of each character */
    for (Xapian::Utf8Iterator u(word); u != Xapian::Utf8Iterator(); ++u) {
        if (!Xapian::Unicode::is_wordchar(*u) ||
            Xapian::Unicode::get_category(*u) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER)
            return;
        starts.push_back((size_t)(u.raw() - word.data()));
    }
    size_t n = starts.size();
    if (n < KB_COMPOUND_MIN_WORD)
        return;
    for (size_t i = KB_COMPOUND_MIN_HEAD; i + KB_COMPOUND_MIN_PART <= n; i++) {
        std::string part = stem(word.substr(starts[i]));
        if (!part.empty())
            out->push_back(KB_PREFIX_COMPOUND + part);
    }
}

void kb_setup_termgen(Xapian::TermGenerator &tg, const std::string &locale,
                      bool stem_positions)
{
    tg.set_stemmer(kb_stem_for(locale));
    /* Phrases match the words as written, so stems need no positions in
     * the index: storing them cost a third of indexing time, and BM25
     * ranking never reads them. */
    tg.set_stemming_strategy(stem_positions ? Xapian::TermGenerator::STEM_SOME_FULL_POS
                                            : Xapian::TermGenerator::STEM_SOME);
    tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
}
