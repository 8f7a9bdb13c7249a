/*
 * berth-nfs-fuse: mounts a directory of an NFSv4 export with FUSE, talking NFS in user space through libnfs.
 * Kernel NFS is absent on Berth's machines; the node agent mounts NFS volumes with this helper and binds the
 * mount into the container.
 *
 *   berth-nfs-fuse [--port N] SERVER EXPORT_PATH MOUNTPOINT [fuse options, e.g. -f -o allow_other]
 *
 * EXPORT_PATH may name a directory below the export (NFSv4 mounts any directory of the pseudo file system).
 * One libnfs context serves every request (plus one for attribute changes, see `meta`); a mutex serialises calls
 * on them (a context is not thread-safe).
 */
#define FUSE_USE_VERSION 31
#include <fuse3/fuse.h>
#include <nfsc/libnfs.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct nfs_context *nfs;
/*
 * libnfs 4.0 runs path-based SETATTRs (chmod, chown, truncate, utimes) as OPEN+SETATTR+CLOSE under the context's
 * open-owner, and that CLOSE invalidates the stateid of a file the same context has open (later writes fail with
 * NFS4ERR_BAD_STATEID). They go through a second context, a separate NFS client, so open files are never disturbed.
 */
static struct nfs_context *meta;
static pthread_mutex_t nfs_lock = PTHREAD_MUTEX_INITIALIZER;

#define LOCKED(expr) ({ pthread_mutex_lock(&nfs_lock); int r_ = (expr); pthread_mutex_unlock(&nfs_lock); r_; })

static void to_stat(const struct nfs_stat_64 *s, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = s->nfs_dev;
	st->st_ino = s->nfs_ino;
	st->st_mode = s->nfs_mode;
	st->st_nlink = s->nfs_nlink;
	st->st_uid = s->nfs_uid;
	st->st_gid = s->nfs_gid;
	st->st_rdev = s->nfs_rdev;
	st->st_size = s->nfs_size;
	st->st_blksize = s->nfs_blksize;
	st->st_blocks = s->nfs_blocks;
	st->st_atim.tv_sec = s->nfs_atime;
	st->st_atim.tv_nsec = s->nfs_atime_nsec;
	st->st_mtim.tv_sec = s->nfs_mtime;
	st->st_mtim.tv_nsec = s->nfs_mtime_nsec;
	st->st_ctim.tv_sec = s->nfs_ctime;
	st->st_ctim.tv_nsec = s->nfs_ctime_nsec;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	struct nfs_stat_64 s;
	int r = LOCKED(nfs_lstat64(nfs, path, &s));
	if (r < 0)
		return r;
	to_stat(&s, st);
	return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off; (void)fi; (void)flags;
	struct nfsdir *dir;
	pthread_mutex_lock(&nfs_lock);
	int r = nfs_opendir(nfs, path, &dir);
	if (r < 0) {
		pthread_mutex_unlock(&nfs_lock);
		return r;
	}
	struct nfsdirent *e;
	while ((e = nfs_readdir(nfs, dir)) != NULL) {
		struct stat st;
		memset(&st, 0, sizeof(st));
		st.st_ino = e->inode;
		st.st_mode = e->mode;
		if (filler(buf, e->name, &st, 0, 0))
			break;
	}
	nfs_closedir(nfs, dir);
	pthread_mutex_unlock(&nfs_lock);
	return 0;
}

static int op_mkdir(const char *path, mode_t mode) { return LOCKED(nfs_mkdir2(nfs, path, mode & 07777)); }
static int op_rmdir(const char *path) { return LOCKED(nfs_rmdir(nfs, path)); }
static int op_unlink(const char *path) { return LOCKED(nfs_unlink(nfs, path)); }
static int op_symlink(const char *target, const char *path) { return LOCKED(nfs_symlink(nfs, target, path)); }

static int op_readlink(const char *path, char *buf, size_t size)
{
	/* libnfs copies the target without its terminating NUL (a stray byte follows): the length comes from lstat. */
	struct nfs_stat_64 s;
	pthread_mutex_lock(&nfs_lock);
	int r = nfs_lstat64(nfs, path, &s);
	if (r == 0)
		r = nfs_readlink(nfs, path, buf, (int)size - 1);
	pthread_mutex_unlock(&nfs_lock);
	if (r < 0)
		return r;
	buf[s.nfs_size < size - 1 ? s.nfs_size : size - 1] = '\0';
	return 0;
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	if (flags)
		return -EINVAL; /* RENAME_NOREPLACE / EXCHANGE have no NFS equivalent */
	return LOCKED(nfs_rename(nfs, from, to));
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)fi;
	return LOCKED(nfs_chmod(meta, path, mode & 07777));
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)fi;
	return LOCKED(nfs_lchown(meta, path, (int)uid, (int)gid));
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	if (fi && fi->fh)
		return LOCKED(nfs_ftruncate(nfs, (struct nfsfh *)(uintptr_t)fi->fh, size));
	return LOCKED(nfs_truncate(meta, path, size));
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	(void)fi;
	struct timeval t[2];
	struct timeval now;
	gettimeofday(&now, NULL);
	struct nfs_stat_64 s;
	int have_stat = 0;
	for (int i = 0; i < 2; i++) {
		if (tv == NULL || tv[i].tv_nsec == UTIME_NOW) {
			t[i] = now;
		} else if (tv[i].tv_nsec == UTIME_OMIT) {
			if (!have_stat) {
				int r = LOCKED(nfs_stat64(nfs, path, &s));
				if (r < 0)
					return r;
				have_stat = 1;
			}
			t[i].tv_sec = i == 0 ? s.nfs_atime : s.nfs_mtime;
			t[i].tv_usec = (i == 0 ? s.nfs_atime_nsec : s.nfs_mtime_nsec) / 1000;
		} else {
			t[i].tv_sec = tv[i].tv_sec;
			t[i].tv_usec = tv[i].tv_nsec / 1000;
		}
	}
	return LOCKED(nfs_utimes(meta, path, t));
}

/*
 * libnfs 4.0's NFSv4 create ignores the mode (files come out 0600), leaves the exclusive-create verifier in the
 * times without O_TRUNC, and answers EEXIST for O_CREAT on an existing file; all three are worked around here.
 */
static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct nfsfh *fh;
	pthread_mutex_lock(&nfs_lock);
	/* O_TRUNC makes libnfs send an unchecked create with attributes instead of an exclusive one (whose verifier
	 * would end up as the file's times); the file is new, so there is nothing to truncate. */
	int r = nfs_create(nfs, path, fi->flags | O_TRUNC, mode & 07777, &fh);
	if (r == -EEXIST && !(fi->flags & O_EXCL))
		r = nfs_open(nfs, path, fi->flags & ~O_CREAT, &fh);
	else if (r == 0)
		nfs_fchmod(nfs, fh, mode & 07777);
	pthread_mutex_unlock(&nfs_lock);
	if (r < 0)
		return r;
	fi->fh = (uint64_t)(uintptr_t)fh;
	return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct nfsfh *fh;
	int r = LOCKED(nfs_open(nfs, path, fi->flags & ~(O_CREAT | O_EXCL), &fh));
	if (r < 0)
		return r;
	fi->fh = (uint64_t)(uintptr_t)fh;
	return 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	return LOCKED(nfs_pread(nfs, (struct nfsfh *)(uintptr_t)fi->fh, off, size, buf));
}

/*
 * libnfs 4.0 cannot encode an NFSv4 WRITE much over 3.9 KB (its encode buffer is fixed and nfs_get_writemax() is
 * 0 under v4), so a write is cut into WRITE_CHUNK pieces sent together (asynchronously, up to MAX_IN_FLIGHT at once)
 * and we wait for all of them: pipelining keeps throughput up despite the small pieces.
 */
#define WRITE_CHUNK 3584
#define MAX_IN_FLIGHT 64

struct write_batch {
	int pending;
	int error;
	size_t written;
};

static void write_done(int status, struct nfs_context *ctx, void *data, void *private_data)
{
	(void)ctx; (void)data;
	struct write_batch *b = private_data;
	b->pending--;
	if (status < 0) {
		if (!b->error)
			b->error = status;
	} else {
		b->written += (size_t)status;
	}
}

static int wait_some(struct write_batch *b, int target)
{
	while (b->pending > target) {
		struct pollfd pfd = { .fd = nfs_get_fd(nfs), .events = (short)nfs_which_events(nfs) };
		if (poll(&pfd, 1, 30000) < 0 && errno != EINTR)
			return -errno;
		if (nfs_service(nfs, pfd.revents) < 0)
			return -EIO;
	}
	return 0;
}

static int pwrite_pipelined(struct nfsfh *fh, const char *buf, size_t size, off_t off)
{
	struct write_batch b = { 0, 0, 0 };
	size_t sent = 0;
	int r = 0;
	while (sent < size && !b.error) {
		size_t n = size - sent < WRITE_CHUNK ? size - sent : WRITE_CHUNK;
		if (nfs_pwrite_async(nfs, fh, (uint64_t)(off + (off_t)sent), n, buf + sent, write_done, &b) != 0) {
			r = -EIO;
			break;
		}
		b.pending++;
		sent += n;
		if (b.pending >= MAX_IN_FLIGHT && (r = wait_some(&b, MAX_IN_FLIGHT / 2)) < 0)
			break;
	}
	int w = wait_some(&b, 0);
	if (b.error)
		return b.error;
	if (r < 0 || w < 0)
		return r < 0 ? r : w;
	return (int)b.written;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	return LOCKED(pwrite_pipelined((struct nfsfh *)(uintptr_t)fi->fh, buf, size, off));
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return LOCKED(nfs_close(nfs, (struct nfsfh *)(uintptr_t)fi->fh));
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path; (void)datasync;
	return LOCKED(nfs_fsync(nfs, (struct nfsfh *)(uintptr_t)fi->fh));
}

static int op_statfs(const char *path, struct statvfs *st)
{
	struct nfs_statvfs_64 s;
	int r = LOCKED(nfs_statvfs64(nfs, path, &s));
	if (r < 0)
		return r;
	memset(st, 0, sizeof(*st));
	st->f_bsize = s.f_bsize;
	st->f_frsize = s.f_frsize ? s.f_frsize : s.f_bsize;
	st->f_blocks = s.f_blocks;
	st->f_bfree = s.f_bfree;
	st->f_bavail = s.f_bavail;
	st->f_files = s.f_files;
	st->f_ffree = s.f_ffree;
	st->f_favail = s.f_favail;
	st->f_fsid = s.f_fsid;
	st->f_namemax = s.f_namemax ? s.f_namemax : 255;
	return 0;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* Another client (the provisioner, another node) may change the export: keep kernel caches short. */
	cfg->attr_timeout = 1.0;
	cfg->entry_timeout = 1.0;
	cfg->negative_timeout = 0;
	return NULL;
}

static const struct fuse_operations ops = {
	.init = op_init,
	.getattr = op_getattr,
	.readdir = op_readdir,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.symlink = op_symlink,
	.readlink = op_readlink,
	.rename = op_rename,
	.chmod = op_chmod,
	.chown = op_chown,
	.truncate = op_truncate,
	.utimens = op_utimens,
	.create = op_create,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.release = op_release,
	.fsync = op_fsync,
	.statfs = op_statfs,
};

static struct nfs_context *connect_export(const char *server, const char *export_path, int port)
{
	struct nfs_context *ctx = nfs_init_context();
	if (!ctx) {
		fprintf(stderr, "berth-nfs-fuse: cannot create an NFS context\n");
		return NULL;
	}
	/* Each context must be its own NFSv4 client: two with the same client name (libnfs derives it from the pid)
	 * would take over each other's state on the server. */
	static int serial;
	char name[128];
	snprintf(name, sizeof(name), "berth-nfs-fuse/%d/%d/%ld", (int)getpid(), ++serial, (long)time(NULL));
	nfs4_set_client_name(ctx, name);
	char verifier[8];
	for (int k = 0; k < 8; k++)
		verifier[k] = (char)(rand() ^ (serial << k));
	nfs4_set_verifier(ctx, verifier);
	nfs_set_timeout(ctx, 30000);
	nfs_set_dircache(ctx, 0);
	char url[4096];
	snprintf(url, sizeof(url), "nfs://%s%s?version=4&nfsport=%d", server, export_path, port);
	struct nfs_url *u = nfs_parse_url_dir(ctx, url);
	if (!u) {
		fprintf(stderr, "berth-nfs-fuse: bad address %s: %s\n", url, nfs_get_error(ctx));
		nfs_destroy_context(ctx);
		return NULL;
	}
	if (nfs_mount(ctx, u->server, u->path) != 0) {
		fprintf(stderr, "berth-nfs-fuse: mounting %s:%s (port %d) failed: %s\n", server, export_path, port,
			nfs_get_error(ctx));
		nfs_destroy_url(u);
		nfs_destroy_context(ctx);
		return NULL;
	}
	nfs_destroy_url(u);
	return ctx;
}

static int usage(void)
{
	fprintf(stderr, "usage: berth-nfs-fuse [--port N] SERVER EXPORT_PATH MOUNTPOINT [fuse options]\n");
	return 2;
}

int main(int argc, char **argv)
{
	int port = 2049;
	int i = 1;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (i + 1 < argc && strcmp(argv[i], "--port") == 0) {
		port = atoi(argv[i + 1]);
		i += 2;
	}
	if (argc - i < 3 || port <= 0 || port > 65535)
		return usage();
	const char *server = argv[i];
	const char *export_path = argv[i + 1];
	if (export_path[0] != '/') {
		fprintf(stderr, "berth-nfs-fuse: EXPORT_PATH must be absolute\n");
		return 2;
	}

	nfs = connect_export(server, export_path, port);
	meta = nfs ? connect_export(server, export_path, port) : NULL;
	if (!nfs || !meta)
		return 1;

	/* fuse_main gets argv[0], the mount point and the remaining options. */
	int fargc = 0;
	char **fargv = calloc((size_t)argc + 4, sizeof(char *));
	fargv[fargc++] = argv[0];
	fargv[fargc++] = argv[i + 2];
	for (int j = i + 3; j < argc; j++)
		fargv[fargc++] = argv[j];
	fargv[fargc++] = "-o";
	fargv[fargc++] = "fsname=berth-nfs,subtype=nfs";
	int r = fuse_main(fargc, fargv, &ops, NULL);
	nfs_destroy_context(meta);
	nfs_destroy_context(nfs);
	free(fargv);
	return r;
}
