/*
 * The one system call sequence the kovn CNI plugin needs, for io.kovn.cni.NativeUnix: connect to the node
 * agent's unix socket, send the request, close the sending side, read the answer to the end (at most a given
 * size), all within one deadline that starts before the connect. The JDK 17 way (SocketChannel with StandardProtocolFamily.UNIX) costs ~20 ms of a plugin run before
 * the first byte is sent: it initialises the selector provider and, for the random names of unbound sockets, the
 * SUN security provider. This costs well under a millisecond.
 *
 * Errors are thrown as java.net.ConnectException (nothing was sent: the agent is not there),
 * java.net.SocketTimeoutException (the deadline passed: not accepted, request not read, or no answer in time),
 * java.net.ProtocolException (the answer is larger than allowed) or java.io.IOException, each with strerror's
 * text.
 */
#include <jni.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void throw_new(JNIEnv *env, const char *cls, const char *what, int err) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
    jclass c = (*env)->FindClass(env, cls);
    if (c != NULL) {
        (*env)->ThrowNew(env, c, msg);
    }
}

static long long now_millis(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before the deadline, at least 1 while some are left, 0 once it has passed. */
static int left_millis(long long deadline) {
    long long left = deadline - now_millis();
    return left <= 0 ? 0 : left > 2147483647LL ? 2147483647 : (int) left;
}

/*
 * Waits until fd is ready for events or the deadline passes; 1 ready, 0 deadline, -1 failure (errno set).
 * POLLHUP and POLLERR count as ready: the read or send that follows reports them.
 */
static int wait_for(int fd, short events, long long deadline) {
    for (;;) {
        int left = left_millis(deadline);
        if (left == 0) {
            return 0;
        }
        struct pollfd p = {fd, events, 0};
        int pr = poll(&p, 1, left);
        if (pr > 0) {
            return 1;
        }
        if (pr < 0 && errno != EINTR) {
            return -1;
        }
    }
}

/*
 * Connects within the deadline. A unix socket's connect blocks while the listener's accept backlog is full, for
 * as long as SO_SNDTIMEO allows, then fails with EAGAIN (a non-blocking connect fails at once instead, and poll
 * cannot wait for room in the backlog); so the connect is blocking, bounded by the time left.
 */
static int connect_within(int fd, const struct sockaddr_un *sa, long long deadline) {
    for (;;) {
        int left = left_millis(deadline);
        if (left == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct timeval tv = {left / 1000, (left % 1000) * 1000};
        if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
            return -1;
        }
        if (connect(fd, (const struct sockaddr *) sa, sizeof *sa) == 0) {
            return 0;
        }
        if (errno != EINTR && errno != EAGAIN) {
            return -1;
        }
    }
}

JNIEXPORT jbyteArray JNICALL Java_io_kovn_cni_NativeUnix_call(JNIEnv *env, jclass cls, jstring jpath,
                                                              jbyteArray jrequest, jint timeout_millis,
                                                              jint max_answer) {
    (void) cls;
    long long deadline = now_millis() + timeout_millis;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
    if (path == NULL) {
        return NULL; /* OutOfMemoryError pending */
    }
    size_t path_len = strlen(path);
    if (path_len >= sizeof sa.sun_path) {
        (*env)->ReleaseStringUTFChars(env, jpath, path);
        throw_new(env, "java/net/ConnectException", "socket path too long", ENAMETOOLONG);
        return NULL;
    }
    memcpy(sa.sun_path, path, path_len);
    (*env)->ReleaseStringUTFChars(env, jpath, path);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw_new(env, "java/io/IOException", "socket", errno);
        return NULL;
    }
    if (connect_within(fd, &sa, deadline) < 0) {
        int e = errno;
        close(fd);
        if (e == ETIMEDOUT || e == EAGAIN) {
            throw_new(env, "java/net/SocketTimeoutException", "not accepted in time", ETIMEDOUT);
        } else {
            throw_new(env, "java/net/ConnectException", "connect", e);
        }
        return NULL;
    }
    /* from here every wait is a poll up to the deadline */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

    const char *error_class = "java/io/IOException";
    const char *what = NULL;
    int err = 0;
    char *buf = NULL;
    jsize n = (*env)->GetArrayLength(env, jrequest);
    jbyte *request = (*env)->GetByteArrayElements(env, jrequest, NULL);
    if (request == NULL) {
        close(fd);
        return NULL;
    }
    jsize off = 0;
    while (off < n) {
        ssize_t w = send(fd, request + off, (size_t) (n - off), MSG_NOSIGNAL);
        if (w >= 0) {
            off += (jsize) w;
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        int ready = errno == EAGAIN ? wait_for(fd, POLLOUT, deadline) : -1;
        if (ready == 1) {
            continue;
        }
        error_class = ready == 0 ? "java/net/SocketTimeoutException" : error_class;
        what = ready == 0 ? "request not read in time" : "send";
        err = ready == 0 ? ETIMEDOUT : errno;
        (*env)->ReleaseByteArrayElements(env, jrequest, request, JNI_ABORT);
        goto fail;
    }
    (*env)->ReleaseByteArrayElements(env, jrequest, request, JNI_ABORT);
    shutdown(fd, SHUT_WR);

    /* the answer, read to the end, at most max_answer bytes */
    size_t cap = 8192, len = 0;
    buf = malloc(cap);
    if (buf == NULL) {
        what = "malloc";
        err = ENOMEM;
        goto fail;
    }
    for (;;) {
        if (len == cap) {
            if (len > (size_t) max_answer) {
                error_class = "java/net/ProtocolException";
                what = "answer too large";
                err = EMSGSIZE;
                goto fail;
            }
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                what = "realloc";
                err = ENOMEM;
                goto fail;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r > 0) {
            len += (size_t) r;
            continue;
        }
        if (r == 0) {
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        int ready = errno == EAGAIN ? wait_for(fd, POLLIN, deadline) : -1;
        if (ready == 1) {
            continue;
        }
        error_class = ready == 0 ? "java/net/SocketTimeoutException" : error_class;
        what = ready == 0 ? "no answer in time" : "read";
        err = ready == 0 ? ETIMEDOUT : errno;
        goto fail;
    }
    close(fd);
    if (len > (size_t) max_answer) {
        free(buf);
        throw_new(env, "java/net/ProtocolException", "answer too large", EMSGSIZE);
        return NULL;
    }
    jbyteArray out = (*env)->NewByteArray(env, (jsize) len);
    if (out != NULL) {
        (*env)->SetByteArrayRegion(env, out, 0, (jsize) len, (jbyte *) buf);
    }
    free(buf);
    return out;

fail:
    free(buf);
    close(fd);
    throw_new(env, error_class, what, err);
    return NULL;
}
