/* kb_shards.cc -- where an index lives: a folder, a folder of shards
 * written by kb-index --shards (kb_schema.h, "Shards"), or a stub file
 * listing shards, remote ones served by xapian-tcpsrv among them; the
 * reader's open, reopen and reconnect, the writer's open, and which
 * shard holds an article. */
#include "kb_private.hh"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

/* A kb stub file: Xapian's stub format (one shard a line, '#' comments,
 * "auto PATH" or "glass PATH" relative to the stub's folder, "remote
 * :HOST:PORT" for a shard served by xapian-tcpsrv), where a remote line
 * may name several replicas of its shard, plus one line of ours, "aux
 * PATH": the shards' auxiliary database (spelling), a local folder:
 *
 *     aux /var/lib/kb/index/aux
 *     remote :127.0.0.11:7001 :127.0.0.12:7001
 *     remote :127.0.0.11:7002 :127.0.0.12:7002
 *
 * Xapian's own opener would wait up to 10 s for a shard that does not
 * answer; here each connection gets KB_REMOTE_CONNECT_MS to connect and
 * KB_REMOTE_TIMEOUT_MS per exchange (the greeting included: a stopped
 * server accepts a connection but never answers), so that a search
 * that meets a stopped shard fails within two exchanges, under 2 s,
 * and turn picks which replica of
 * each shard comes first, so that a retry after a NetworkError goes to
 * another one. */

#define KB_REMOTE_CONNECT_MS 300
#define KB_REMOTE_TIMEOUT_MS 700

#define KB_STUB_NAME "XAPIANDB" /* what Xapian itself opens in a folder */
#define KB_AUX_NAME "aux"

namespace {

bool is_file(const std::string &path)
{
    struct stat sb;
    return stat(path.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
}

bool is_dir(const std::string &path)
{
    struct stat sb;
    return stat(path.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

Xapian::Database open_remote(const std::string &spec)
{
    /* ":HOST:PORT" (HOST may be empty: localhost) */
    size_t colon = spec.rfind(':');
    if (spec.empty() || spec[0] != ':' || colon == 0 || colon + 1 >= spec.size())
        throw Xapian::DatabaseOpeningError("bad remote shard '" + spec + "' (want :HOST:PORT)");
    std::string host = spec.substr(1, colon - 1);
    unsigned port = (unsigned)atoi(spec.c_str() + colon + 1);
    return Xapian::Remote::open(host.empty() ? "127.0.0.1" : host, port, KB_REMOTE_TIMEOUT_MS,
                                KB_REMOTE_CONNECT_MS);
}

struct stub {
    std::vector<std::string> local;              /* shard folders */
    std::vector<std::vector<std::string>> remote; /* each remote shard's replicas */
    std::vector<bool> is_remote;                 /* per shard, in order */
    std::string aux;                             /* "" when none */
};

stub read_stub(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        throw Xapian::DatabaseOpeningError(path + ": " + strerror(errno));
    std::string base = path.substr(0, path.rfind('/') + 1);
    stub s;
    std::string line;
    unsigned lineno = 0;
    while (std::getline(in, line)) {
        lineno++;
        std::istringstream words(line);
        std::string type, arg;
        if (!(words >> type) || type[0] == '#')
            continue;
        std::vector<std::string> args;
        while (words >> arg)
            args.push_back(arg);
        std::string where = path + ":" + std::to_string(lineno) + ": ";
        if (args.empty())
            throw Xapian::DatabaseOpeningError(where + "'" + type + "' needs an argument");
        if (type == "remote") {
            s.remote.push_back(args);
            s.is_remote.push_back(true);
            continue;
        }
        std::string p = args[0][0] == '/' ? args[0] : base + args[0];
        if (type == "aux")
            s.aux = p;
        else if (type == "auto" || type == "glass") {
            s.local.push_back(p);
            s.is_remote.push_back(false);
        } else
            throw Xapian::DatabaseOpeningError(where + "unknown line type '" + type +
                                               "' (want auto, glass, remote or aux)");
    }
    if (s.is_remote.empty())
        throw Xapian::DatabaseOpeningError(path + ": no shard listed");
    return s;
}

/* The shards of a stub, each remote one from its replica turn on (the
 * first that connects). */
Xapian::Database open_stub(const stub &s, const std::string &path, unsigned turn)
{
    Xapian::Database all;
    size_t l = 0, r = 0;
    for (size_t i = 0; i < s.is_remote.size(); i++) {
        if (!s.is_remote[i]) {
            all.add_database(Xapian::Database(s.local[l++]));
            continue;
        }
        const std::vector<std::string> &reps = s.remote[r++];
        std::string why;
        bool opened = false;
        for (size_t k = 0; k < reps.size() && !opened; k++) {
            try {
                all.add_database(open_remote(reps[(turn + k) % reps.size()]));
                opened = true;
            } catch (const Xapian::NetworkError &e) {
                why = e.get_description();
            }
        }
        if (!opened)
            throw Xapian::NetworkError("shard " + std::to_string(i + 1) + " of " + path +
                                       " did not answer: " + why);
    }
    return all;
}

/* Shards in a folder kb-index --shards wrote: the lines of its stub, 0
 * when it has none (a plain index, or nothing yet). */
size_t count_shards(const std::string &dir)
{
    std::string path = dir + "/" KB_STUB_NAME;
    if (!is_file(path))
        return 0;
    return read_stub(path).is_remote.size();
}

void write_stub(const std::string &dir, size_t n)
{
    std::string path = dir + "/" KB_STUB_NAME, tmp = path + ".tmp";
    FILE *f = fopen(tmp.c_str(), "w");
    if (!f)
        throw Xapian::DatabaseCreateError(tmp + ": " + strerror(errno));
    fprintf(f, "# %zu shards written by kb-index --shards; the auxiliary database\n"
               "# (spelling, file list) is " KB_AUX_NAME "/ beside them\n", n);
    for (size_t i = 1; i <= n; i++)
        fprintf(f, "auto shard%zu\n", i);
    if (fclose(f) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
        unlink(tmp.c_str());
        throw Xapian::DatabaseCreateError(path + ": " + strerror(errno));
    }
}

} /* namespace */

void kb_open_reader(kb_index *ix, const std::string &path, unsigned turn)
{
    std::string stubpath;
    if (is_file(path))
        stubpath = path;
    else if (is_file(path + "/" KB_STUB_NAME))
        stubpath = path + "/" KB_STUB_NAME;
    if (stubpath.empty()) {
        ix->db = Xapian::Database(path);
        ix->aux = ix->db;
        ix->aux_separate = false;
        return;
    }
    stub s = read_stub(stubpath);
    if (s.aux.empty() && stubpath != path && is_dir(path + "/" KB_AUX_NAME))
        s.aux = path + "/" KB_AUX_NAME;
    /* The auxiliary database first: kb-index commits it after the
     * shards, so the shards opened next are at least at its revision. */
    Xapian::Database aux;
    unsigned long long rev = 0;
    if (!s.aux.empty()) {
        aux = Xapian::Database(s.aux);
        rev = kb_db_revision(aux);
    }
    Xapian::Database db = open_stub(s, stubpath, turn);
    /* Without an auxiliary database the first shard's metadata is used
     * (every shard holds the revision), and there is no spelling. */
    ix->aux = s.aux.empty() ? db : aux;
    ix->aux_separate = !s.aux.empty();
    ix->db_revision = rev;
    ix->db = db;
}

void kb_refresh(kb_index *ix)
{
    if (ix->writable)
        return;
    try {
        if (!ix->aux_separate) {
            ix->db.reopen();
            return;
        }
        /* Shards, remote ones a round trip each: reopened only when the
         * auxiliary database, committed after them, has moved on. */
        ix->aux.reopen();
        unsigned long long rev = kb_db_revision(ix->aux);
        if (rev && rev == ix->db_revision)
            return;
        ix->db.reopen();
        ix->db_revision = rev;
        return;
    } catch (const Xapian::DatabaseOpeningError &) {
        /* A replica's full copy: the files this handle had are gone. */
    } catch (const Xapian::NetworkError &) {
        /* A shard's connection dropped: try the next replica first. */
        ix->replica_turn++;
    }
    kb_open_reader(ix, ix->dir, ix->replica_turn);
}

void kb_reconnect(kb_index *ix)
{
    ix->replica_turn++;
    kb_open_reader(ix, ix->dir, ix->replica_turn);
}

size_t kb_shard_of(const std::string &id, size_t nshards)
{
    if (nshards <= 1)
        return 0;
    unsigned long long h = 1469598103934665603ULL; /* FNV-1a: stable everywhere */
    for (unsigned char c : id) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return (size_t)(h % nshards);
}

std::string kb_shard_path(const kb_index *ix, size_t i)
{
    if (ix->wshards.size() <= 1)
        return ix->dir;
    return ix->dir + "/shard" + std::to_string(i + 1);
}

std::string kb_aux_path(const kb_index *ix)
{
    return ix->wshards.size() <= 1 ? ix->dir : ix->dir + "/" KB_AUX_NAME;
}

/* Opens ix->dir for writing with nshards shards (0: as many as it has,
 * 1 for a new one).  One shard is a plain index, where documents,
 * spelling and metadata all go; more are shard1..N plus the auxiliary
 * database aux/ and the stub XAPIANDB that lists the shards (so Xapian's
 * tools open the folder as one database too). */
void kb_open_writer(kb_index *ix, size_t nshards, int flags)
{
    const std::string &dir = ix->dir;
    size_t have = count_shards(dir);
    if (!have && is_dir(dir) && access((dir + "/iamglass").c_str(), F_OK) == 0)
        have = 1;
    if (!nshards)
        nshards = have ? have : 1;
    if (have && have != nshards)
        throw Xapian::InvalidArgumentError(dir + " holds an index of " + std::to_string(have) +
                                           " shard(s), not " + std::to_string(nshards) +
                                           ": write " + std::to_string(nshards) +
                                           " shards into a new folder");
    int action = (flags & KB_OPEN_OVERWRITE) ? Xapian::DB_CREATE_OR_OVERWRITE
                                             : Xapian::DB_CREATE_OR_OPEN;
    if (nshards == 1) {
        ix->wdb = Xapian::WritableDatabase(dir, action);
        ix->wshards.assign(1, ix->wdb);
        ix->db = ix->wdb;
    } else {
        if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
            throw Xapian::DatabaseCreateError(dir + ": " + strerror(errno));
        /* The auxiliary database first: its lock keeps a second writer
         * out before it touches a shard. */
        ix->wdb = Xapian::WritableDatabase(dir + "/" KB_AUX_NAME, action);
        Xapian::Database all;
        for (size_t i = 1; i <= nshards; i++) {
            ix->wshards.emplace_back(dir + "/shard" + std::to_string(i), action);
            all.add_database(ix->wshards.back());
        }
        if (!have)
            write_stub(dir, nshards);
        ix->db = all;
    }
    ix->aux = ix->wdb;
    ix->aux_separate = nshards > 1;
    ix->writable = true;
}
