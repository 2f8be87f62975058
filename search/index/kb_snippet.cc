/* kb_snippet.cc -- a hit's snippet: the window of its unit's text with
 * the most query weight, as plain text, and where the query's words
 * are in it (spans; the caller marks and escapes them).  Why not
 * MSet::snippet(): kb_private.hh, above class Snippeter. */
#include "kb_private.hh"

#include <cmath>

/* The term id of w in set, or -1. */
static int lookup(const std::unordered_map<std::string, int> &set, const std::string &w)
{
    auto f = set.find(w);
    return f == set.end() ? -1 : f->second;
}

/* The start of the word at or after pos (not beyond limit). */
static size_t word_start(const std::string &t, size_t pos, size_t limit)
{
    if (pos == 0)
        return 0;
    for (size_t p = pos; p < limit; p++)
        if (t[p] == ' ' || t[p] == '\n' || t[p] == '\t')
            return p + 1;
    return limit;
}

/* Where to cut at or before pos: after a whole word when there is a
 * space (never before keep), else at a character boundary. */
static size_t word_end(const std::string &t, size_t pos, size_t keep)
{
    for (size_t p = pos; p > keep; p--)
        if (t[p] == ' ' || t[p] == '\n' || t[p] == '\t')
            return p;
    size_t p = pos > keep ? pos : keep;
    while (p < t.size() && ((unsigned char)t[p] & 0xC0) == 0x80)
        p++;
    return p;
}

/* The text of t[from..to) into *out, runs of white space as one space,
 * an ellipsis where text was cut, and the matches of m in it as spans
 * of *out. */
static void render(const std::string &t, size_t from, size_t to,
                   const std::vector<Snippeter::match> &m, std::string *out,
                   std::vector<kb_span> *spans)
{
    out->clear();
    out->reserve(to - from + 8);
    if (from > 0)
        *out += "\xE2\x80\xA6";
    size_t k = 0;
    while (k < m.size() && m[k].begin < from)
        k++;
    bool space = false;
    for (size_t p = from; p < to;) {
        char c = t[p];
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = true;
            p++;
            continue;
        }
        if (space && !out->empty())
            *out += ' ';
        space = false;
        if (k < m.size() && p == m[k].begin) {
            size_t e = m[k].end < to ? m[k].end : to;
            spans->push_back(kb_span{out->size(), e - p});
            out->append(t, p, e - p);
            p = e;
            k++;
            continue;
        }
        size_t e = k < m.size() && m[k].begin < to ? m[k].begin : to;
        size_t q = p;
        while (q < e && t[q] != ' ' && t[q] != '\n' && t[q] != '\t' && t[q] != '\r')
            q++;
        out->append(t, p, q - p);
        p = q;
    }
    if (to < t.size())
        *out += "\xE2\x80\xA6";
}

Snippeter::Snippeter(const Xapian::Database &db, const Xapian::MSet &mset, const Xapian::Query &q)
{
    double n = db.get_doccount() + 1.0;
    for (Xapian::TermIterator t = q.get_terms_begin(); t != q.get_terms_end(); ++t) {
        const std::string &term = *t;
        if (term.empty())
            continue;
        unsigned char c = (unsigned char)term[0];
        bool stem = c == 'Z' && term.size() > 1 && !(term[1] >= 'A' && term[1] <= 'Z');
        if (!stem && c >= 'A' && c <= 'Z')
            continue; /* a field or filter term: its word is there bare too */
        /* The match's own statistics: no round trip to remote shards. */
        double w = std::log(n / (mset.get_termfreq(term) + 1.0)) + 0.1;
        int id = (int)weights_.size();
        weights_.push_back(w > 0.1 ? w : 0.1);
        if (stem) {
            stems_.emplace(term.substr(1), id);
            if (term.size() >= 3 && !(term[1] & 0x80) && !(term[2] & 0x80))
                heads_.insert(term.substr(1, 2));
            else
                short_stems_ = true; /* cannot filter by the first letters */
        } else {
            raw_.emplace(term, id);
        }
    }
}

void Snippeter::make(const std::string &text, const std::string &locale, size_t max_bytes,
                     std::string *out, std::vector<kb_span> *spans)
{
    std::vector<match> m;
    find_matches(text, locale, &m);
    size_t first = 0, last = 0; /* the best window: m[first..last) */
    pick_window(m, max_bytes, &first, &last);
    size_t from = 0, to = text.size();
    if (first < last) {
        size_t span = m[last - 1].end - m[first].begin;
        size_t lead = span < max_bytes ? (max_bytes - span) / 4 : 0;
        from = m[first].begin > lead ? m[first].begin - lead : 0;
        from = word_start(text, from, m[first].begin);
    }
    if (to - from > max_bytes)
        to = word_end(text, from + max_bytes, first < last ? m[last - 1].end : from);
    render(text, from, to, m, out, spans);
}

void Snippeter::find_matches(const std::string &text, const std::string &locale,
                             std::vector<match> *out)
{
    ids_.clear();
    locale_stem &ls = stemmer_for(locale);
    Xapian::Utf8Iterator it(text), end;
    unsigned prev_cjk = 0;
    size_t prev_at = 0;
    bool prev_marked = false;
    while (it != end) {
        size_t at = it.raw() - text.data();
        unsigned ch = *it;
        if (kb_is_cjk(ch)) {
            std::string one;
            Xapian::Unicode::append_utf8(one, ch);
            ++it;
            int id = lookup(raw_, one);
            if (prev_cjk) {
                std::string two;
                Xapian::Unicode::append_utf8(two, prev_cjk);
                two += one;
                int bi = lookup(raw_, two);
                if (bi >= 0) {
                    if (!prev_marked)
                        add(out, prev_at, at, bi);
                    id = bi;
                }
            }
            if (id >= 0)
                add(out, at, it.raw() - text.data(), id);
            prev_cjk = ch;
            prev_at = at;
            prev_marked = id >= 0;
            continue;
        }
        prev_cjk = 0;
        if (!Xapian::Unicode::is_wordchar(ch)) {
            ++it;
            continue;
        }
        word_.clear();
        while (it != end && !kb_is_cjk(*it)) {
            unsigned c = *it;
            if (c < 128) { /* most text: no Unicode tables */
                if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_') {
                    if (c >= 'A' && c <= 'Z')
                        c += 'a' - 'A';
                    else
                        break;
                }
                word_ += (char)c;
            } else if (Xapian::Unicode::is_wordchar(c)) {
                Xapian::Unicode::append_utf8(word_, Xapian::Unicode::tolower(c));
            } else {
                break;
            }
            ++it;
        }
        int id = word_id(ls, word_);
        if (id >= 0)
            add(out, at, it.raw() - text.data(), id);
    }
}

/* The term a word of the text matches, or -1.  Stemming is most of
 * the cost, so a word is stemmed only when its first two letters
 * can begin a stem of the query: stemmers cut endings, and when the
 * word starts with a non-ASCII letter (which a stemmer may fold,
 * German ä to a) it is stemmed anyway.  Each word once a search. */
int Snippeter::word_id(locale_stem &ls, const std::string &w)
{
    auto c = ls.cache.find(w);
    if (c != ls.cache.end())
        return c->second;
    int id = lookup(raw_, w);
    if (id < 0 && !ls.stem.is_none() && !stems_.empty()) {
        bool ascii2 = w.size() >= 2 && !(w[0] & 0x80) && !(w[1] & 0x80);
        if (!ascii2 || heads_.count(w.substr(0, 2)) || short_stems_)
            id = lookup(stems_, ls.stem(w));
    }
    ls.cache.emplace(w, id);
    return id;
}

void Snippeter::add(std::vector<match> *out, size_t begin, size_t end, int id)
{
    /* Touching matches (CJK characters) become one span. */
    if (!out->empty() && out->back().end == begin) {
        out->back().end = end;
    } else {
        out->push_back(match{begin, end});
        ids_.emplace_back();
    }
    ids_.back().push_back(id);
}

/* The run of matches no longer than max_bytes whose distinct terms
 * weigh the most (the first such run on a tie). */
void Snippeter::pick_window(const std::vector<match> &m, size_t max_bytes, size_t *first,
                            size_t *last)
{
    std::vector<int> count(weights_.size(), 0);
    double score = 0, best = 0;
    size_t i = 0;
    for (size_t j = 0; j < m.size(); j++) {
        for (int id : ids_[j])
            if (count[id]++ == 0)
                score += weights_[id];
        while (m[j].end - m[i].begin > max_bytes) {
            for (int id : ids_[i])
                if (--count[id] == 0)
                    score -= weights_[id];
            i++;
        }
        if (score > best + 1e-9) {
            best = score;
            *first = i;
            *last = j + 1;
        }
    }
}

Snippeter::locale_stem &Snippeter::stemmer_for(const std::string &locale)
{
    auto s = stemmers_.find(locale);
    if (s == stemmers_.end())
        s = stemmers_.emplace(locale, locale_stem{kb_stem_for(locale), {}}).first;
    return s->second;
}
