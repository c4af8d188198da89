/*
 * The one system call sequence the kovn CNI plugin needs, for io.kovn.cni.NativeUnix: connect to the node
 * agent's unix socket, send the request, close the sending side, read the answer to the end, all within a
 * deadline. The JDK 17 way (SocketChannel with StandardProtocolFamily.UNIX) costs ~20 ms of a plugin run before
 * the first byte is sent: it initialises the selector provider and, for the random names of unbound sockets, the
 * SUN security provider. This costs well under a millisecond.
 *
 * Errors are thrown as java.net.ConnectException (nothing was sent: the agent is not there),
 * java.net.SocketTimeoutException (the deadline passed) or java.io.IOException, each with strerror's text.
 */
#include <jni.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

JNIEXPORT jbyteArray JNICALL Java_io_kovn_cni_NativeUnix_call(JNIEnv *env, jclass cls, jstring jpath,
                                                              jbyteArray jrequest, jint timeout_millis) {
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
    if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        throw_new(env, "java/net/ConnectException", "connect", e);
        return NULL;
    }

    jsize n = (*env)->GetArrayLength(env, jrequest);
    jbyte *request = (*env)->GetByteArrayElements(env, jrequest, NULL);
    if (request == NULL) {
        close(fd);
        return NULL;
    }
    jsize off = 0;
    while (off < n) {
        ssize_t w = send(fd, request + off, (size_t) (n - off), MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            (*env)->ReleaseByteArrayElements(env, jrequest, request, JNI_ABORT);
            close(fd);
            throw_new(env, "java/io/IOException", "send", e);
            return NULL;
        }
        off += (jsize) w;
    }
    (*env)->ReleaseByteArrayElements(env, jrequest, request, JNI_ABORT);
    shutdown(fd, SHUT_WR);

    /* the answer, read to the end; every failure from here leaves through "fail" */
    const char *error_class = "java/io/IOException";
    const char *what = NULL;
    int err = 0;
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        what = "malloc";
        err = ENOMEM;
        goto fail;
    }
    for (;;) {
        long long left = deadline - now_millis();
        if (left <= 0) {
            error_class = "java/net/SocketTimeoutException";
            what = "no answer in time";
            err = ETIMEDOUT;
            goto fail;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int pr = poll(&p, 1, left > 2147483647LL ? 2147483647 : (int) left);
        if (pr < 0) {
            if (errno == EINTR) {
                continue;
            }
            what = "poll";
            err = errno;
            goto fail;
        }
        if (pr == 0) {
            continue; /* the deadline check above ends it */
        }
        if (len == cap) {
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
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            what = "read";
            err = errno;
            goto fail;
        }
        if (r == 0) {
            break;
        }
        len += (size_t) r;
    }
    close(fd);
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
