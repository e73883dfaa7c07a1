/*
 * replay: a main() for a fuzz target built with the normal compiler.  It
 * feeds the target every regular file of each directory (or each file)
 * named on the command line, in name order, so the suite replays the
 * committed corpora under every build, sanitizers included.  Prints one
 * line with the number of inputs; exits 0, or non-zero when an input
 * cannot be read (a broken invariant aborts inside the target).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static size_t ninputs;

/* Reads all of path into a fresh buffer of exactly its size (so that
 * ASan sees any read past the input), then runs the target on it. */
static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long size;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) == -1 ||
	    (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) == -1) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if ((buf = malloc(size > 0 ? (size_t)size : 1)) == NULL ||
	    fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	ninputs++;
	return 0;
}

static int
replay_dir(const char *dir)
{
	struct dirent **names;
	struct stat st;
	char path[4096];
	int i, n, rc = 0;

	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		perror(dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode) && replay_file(path) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct stat st;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s corpus-dir-or-file ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			perror(argv[i]);
			rc = 1;
		} else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i]) :
		    replay_file(argv[i]))
			rc = 1;
	}
	printf("%s: replayed %zu inputs\n", argv[0], ninputs);
	return rc;
}
