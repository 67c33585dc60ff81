package dev.virtuoso.rollback.e2e;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A container image as `docker load` takes it (manifest.json, the config's JSON, one gzipped tar per layer), read
 * with nothing but the JDK. The tar reader knows what Jib writes: ustar headers and the PAX records that carry long
 * paths.
 */
final class ImageTar {
    /** One file, directory or link of a tar, with its modification time in seconds. */
    record Entry(String path, char type, long size, long mtime, byte[] content) {
        boolean isFile() {
            return type == '0' || type == '\0';
        }
    }

    private final Map<String, byte[]> files;

    private ImageTar(Map<String, byte[]> files) {
        this.files = files;
    }

    static ImageTar open(Path tar) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(tar)) {
            for (Entry e : entries(in)) {
                if (e.isFile()) {
                    files.put(e.path(), e.content());
                }
            }
        }
        return new ImageTar(files);
    }

    byte[] file(String name) {
        byte[] content = files.get(name);
        if (content == null) {
            throw new IllegalArgumentException(name + " is not in the image tar, which holds " + files.keySet());
        }
        return content;
    }

    /** The entries of one gzipped layer, in order. */
    List<Entry> layer(String name) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(file(name)))) {
            return entries(in);
        }
    }

    static List<Entry> entries(InputStream in) throws IOException {
        List<Entry> entries = new ArrayList<>();
        String longPath = null;
        byte[] header = new byte[512];
        while (readBlock(in, header)) {
            if (isZero(header)) {
                break;
            }
            String name = text(header, 0, 100);
            String prefix = text(header, 345, 155);
            long size = octal(header, 124, 12);
            long mtime = octal(header, 136, 12);
            char type = (char) header[156];
            byte[] content = in.readNBytes((int) size);
            if (content.length != size) {
                throw new EOFException("the tar ends inside " + name);
            }
            in.skipNBytes((512 - size % 512) % 512);
            if (type == 'x') {
                longPath = pax(content).getOrDefault("path", longPath);
                continue;
            }
            if (type == 'L') {
                longPath = new String(content, StandardCharsets.UTF_8).replace("\0", "");
                continue;
            }
            String path = longPath != null ? longPath : prefix.isEmpty() ? name : prefix + "/" + name;
            longPath = null;
            entries.add(new Entry(path, type, size, mtime, content));
        }
        return entries;
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, block.length);
        if (n == 0) {
            return false;
        }
        if (n != block.length) {
            throw new EOFException("a tar header is cut short");
        }
        return true;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] block, int offset, int length) {
        int end = offset;
        while (end < offset + length && block[end] != 0) {
            end++;
        }
        return new String(block, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] block, int offset, int length) {
        String digits = text(block, offset, length).trim();
        return digits.isEmpty() ? 0 : Long.parseLong(digits, 8);
    }

    /** PAX records: "LENGTH KEY=VALUE\n", LENGTH counting the whole record in bytes. */
    private static Map<String, String> pax(byte[] content) {
        Map<String, String> records = new LinkedHashMap<>();
        int at = 0;
        while (at < content.length) {
            int space = at;
            while (content[space] != ' ') {
                space++;
            }
            int length = Integer.parseInt(new String(content, at, space - at, StandardCharsets.US_ASCII));
            String record = new String(content, space + 1, at + length - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            records.put(record.substring(0, eq), record.substring(eq + 1));
            at += length;
        }
        return records;
    }
}
