/* stopwords.c -- short function-word lists, one per language.
 *
 * Kept deliberately small: only words that carry no topic in a support
 * question.  Question words are included, because "how", "why" and
 * "what" appear in most queries and none of our titles depend on them. */
#include "stopwords.h"

#include <string.h>

static const char *const en[] = {
    "a", "about", "an", "and", "are", "as", "at", "be", "by", "can", "do",
    "does", "for", "from", "how", "i", "if", "in", "is", "it", "its", "me",
    "my", "of", "on", "or", "our", "should", "so", "that", "the", "their",
    "there", "this", "to", "was", "we", "what", "when", "where", "which",
    "who", "why", "will", "with", "would", "you", "your", "am", "been",
    "did", "has", "have", "into", "these", "those", "were", "get", "want",
    NULL};

static const char *const ru[] = {
    "а", "без", "бы", "в", "во", "вы", "да", "для", "до", "его", "ее",
    "её", "если", "есть", "же", "за", "и", "из", "или", "им", "их", "к",
    "как", "какой", "какие", "когда", "ли", "мне", "мой", "мы", "на",
    "не", "нет", "но", "о", "об", "он", "она", "они", "от", "по", "под",
    "при", "с", "со", "так", "там", "то", "у", "уже", "что", "чтобы",
    "это", "этот", "я", "где", "почему", "зачем", "можно", "ваш", "вам",
    NULL};

static const char *const de[] = {
    "aber", "als", "am", "an", "auch", "auf", "aus", "bei", "bin", "bis",
    "das", "dass", "dem", "den", "der", "des", "die", "du", "ein", "eine",
    "einem", "einen", "einer", "es", "für", "hat", "ich", "ihr", "im",
    "in", "ist", "kann", "mit", "nach", "nicht", "oder", "sich", "sie",
    "sind", "so", "um", "und", "von", "vom", "wie", "wir", "wird", "was",
    "warum", "wo", "zu", "zum", "zur", "mein", "meine", "ihre",
    "einer", "eines", "ihrem", "ihren", "ihrer", "ihres", "ihnen", "unser",
    "unsere", "sein", "seine", "über", "unter", "durch", "gegen", "ohne",
    "wenn", "dann", "werden", "wurde", "haben", "können", "diese", "dieser",
    "dieses", "diesem", "diesen", "jede", "jeder", "welche", "wann", "wer",
    "man", "bzw", "sowie", NULL};

static const char *const fr[] = {
    "au", "aux", "avec", "ce", "ces", "comment", "dans", "de", "des", "du",
    "elle", "en", "est", "et", "il", "je", "la", "le", "les", "leur",
    "mon", "ma", "mes", "ne", "nous", "on", "ou", "par", "pas", "pour",
    "pourquoi", "que", "qui", "quoi", "sa", "se", "son", "sur", "un",
    "une", "vos", "votre", "vous", NULL};

static const char *const es[] = {
    "a", "al", "como", "cómo", "con", "de", "del", "el", "en", "es", "la",
    "las", "lo", "los", "mi", "mis", "no", "o", "para", "por", "qué",
    "que", "se", "su", "sus", "un", "una", "y", "yo", "cuál", "dónde",
    NULL};

static const char *const pt[] = {
    "a", "ao", "as", "com", "como", "da", "das", "de", "do", "dos", "e",
    "em", "eu", "meu", "minha", "na", "nas", "no", "nos", "o", "os", "ou",
    "para", "por", "que", "se", "seu", "sua", "um", "uma", NULL};

static const char *const it[] = {
    "a", "al", "come", "con", "da", "del", "della", "di", "e", "è", "il",
    "in", "la", "le", "lo", "mio", "mia", "non", "o", "per", "perché",
    "che", "si", "su", "un", "una", "uno", NULL};

static const char *const nl[] = {
    "aan", "als", "de", "dat", "die", "een", "en", "het", "hoe", "ik",
    "in", "is", "met", "mijn", "niet", "of", "op", "te", "van", "voor",
    "waarom", "wat", "ze", "zijn", NULL};

static const char *const sv[] = {
    "att", "av", "de", "den", "det", "en", "ett", "för", "hur", "i", "jag",
    "med", "min", "och", "om", "på", "som", "till", "varför", "vad", "är",
    NULL};

/* Chinese: characters that are grammar, not topic; they are not
 * searched alone (their bigrams still are: "的支持" keeps "支持"). */
static const char *const zh[] = {
    "的", "了", "和", "与", "及", "或", "是", "在", "将", "把", "被", "对",
    "从", "以", "其", "之", "等", "并", "而", "也", "就", "都", "为", "给",
    NULL};

struct lang_list {
    const char *lang;
    const char *const *words;
};

static const struct lang_list lists[] = {
    {"en", en}, {"ru", ru}, {"de", de}, {"fr", fr}, {"es", es},
    {"pt", pt}, {"it", it}, {"nl", nl}, {"sv", sv}, {"zh", zh},
};

const char *const *stopwords_for(const char *lang)
{
    if (!lang)
        return NULL;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (strcmp(lists[i].lang, lang) == 0)
            return lists[i].words;
    return NULL;
}
