/* index_dir.h -- the index folder kb-index is told to write. */
#ifndef KB_INDEX_DIR_H
#define KB_INDEX_DIR_H

/* Says on stderr why the index folder dir cannot be written, before
 * Xapian would report it as a lock held by another writer: a file
 * where the folder should be, a folder this user may not write, a
 * parent that is not there.  1 when it said something, 0 when the
 * folder can be written or created. */
int index_dir_unusable(const char *dir);

#endif
