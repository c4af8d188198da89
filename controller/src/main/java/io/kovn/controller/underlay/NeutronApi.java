package io.kovn.controller.underlay;

import io.kovn.ovn.net.Quoted;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.StringJoiner;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small client of Neutron's v2.0 REST API over the JDK's HTTP client: JSON in and out, every request bounded by the
 * settings' timeout, every answer read up to {@value #MAX_BODY} bytes and parsed as JSON before anything reads it.
 * Reads and deletes are tried up to {@value #ATTEMPTS} times on a transport error or a 5xx; a create is sent once (the
 * back end lists again before it creates, so a create whose answer was lost is found, not repeated). Neutron's
 * answers are the cloud's, so what they carry is typed by {@link NeutronObjects}, not here.
 */
final class NeutronApi {
    static final int MAX_BODY = 8 * 1024 * 1024;
    static final int ATTEMPTS = 3;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final NeutronSettings settings;
    private final HttpClient http;

    NeutronApi(NeutronSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
    }

    /** The Neutron API's error: its HTTP status and Neutron's own message. */
    static final class NeutronException extends IOException {
        private final int status;

        NeutronException(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** {@code GET /v2.0/<path>?<filters>}: the answer's JSON. Filters are exact matches, URL-encoded here. */
    JsonNode get(String path, Map<String, String> filters) throws IOException, InterruptedException {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        filters.forEach((k, v) -> query.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return send("GET", path + query, null, ATTEMPTS);
    }

    JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
        return send("POST", path, body, 1);
    }

    JsonNode put(String path, JsonNode body) throws IOException, InterruptedException {
        return send("PUT", path, body, ATTEMPTS);
    }

    /** Deletes; an object already gone (404) counts as deleted. */
    void delete(String path) throws IOException, InterruptedException {
        try {
            send("DELETE", path, null, ATTEMPTS);
        } catch (NeutronException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
    }

    private JsonNode send(String method, String path, JsonNode body, int attempts) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                return once(method, path, body);
            } catch (NeutronException e) {
                if (e.status() < 500) {
                    throw e;
                }
                last = e;
            } catch (IOException e) {
                last = e;
            }
            if (attempt < attempts) {
                Thread.sleep(200L * attempt);
            }
        }
        throw last;
    }

    private JsonNode once(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(settings.url().toString().replaceAll("/+$", "")
                + "/v2.0/" + path)).timeout(settings.timeout()).header("Accept", "application/json");
        if (settings.project().isPresent()) {
            b.header("X-Project-Id", settings.project().get());
        }
        if (settings.tokenFile().isPresent()) {
            String token = Files.readString(settings.tokenFile().get(), StandardCharsets.UTF_8).strip();
            if (!token.matches("[A-Za-z0-9_=+/.-]{1,8192}")) {
                throw new IOException("the token file " + settings.tokenFile().get() + " does not hold one token");
            }
            b.header("X-Auth-Token", token);
        }
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        HttpResponse<InputStream> response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new IOException(method + " " + path + ": Neutron's answer is longer than " + MAX_BODY + " bytes");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (response.statusCode() / 100 != 2) {
            throw new NeutronException(response.statusCode(), method + " " + path + ": Neutron answered "
                    + response.statusCode() + " " + Quoted.of(errorMessage(text)));
        }
        if (text.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode json = JSON.readTree(text);
            if (!json.isObject()) {
                throw new IOException(method + " " + path + ": Neutron's answer is not a JSON object");
            }
            return json;
        } catch (JacksonException e) {
            throw new IOException(method + " " + path + ": Neutron's answer is not JSON: " + e.getOriginalMessage());
        }
    }

    /** NeutronError's message if the body is one, else the body's first 200 characters. */
    private static String errorMessage(String text) {
        try {
            JsonNode m = JSON.readTree(text).path("NeutronError").path("message");
            if (m.isString()) {
                return m.asString();
            }
        } catch (JacksonException e) {
            // not JSON: the raw text below
        }
        return text.length() > 200 ? text.substring(0, 200) : text;
    }
}
