package ffnkit.io;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

/** Test helper: rewrites one initializer of an ONNX file (new dims, raw data cut to fit), all else copied. */
final class OnnxRewriter {

    private OnnxRewriter() {
    }

    static byte[] reshapeInitializer(byte[] model, String tensor, long[] dims, int rawBytes) throws IOException {
        return rewrite(model, 7, graph -> rewrite(graph, 5, t -> rewriteTensor(t, tensor, dims, rawBytes)));
    }

    private interface Edit {
        byte[] apply(byte[] message) throws IOException;
    }

    /** Copies every field of a message, passing the length-delimited fields numbered {@code field} through edit. */
    private static byte[] rewrite(byte[] message, int field, Edit edit) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(message);
        in.setSizeLimit(Integer.MAX_VALUE);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.length);
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        while (true) {
            int start = in.getTotalBytesRead();
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            if (WireFormat.getTagFieldNumber(tag) == field && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                byte[] edited = edit.apply(in.readByteArray());
                out.writeByteArray(field, edited);
            } else {
                in.skipField(tag);
                out.writeRawBytes(Arrays.copyOfRange(message, start, in.getTotalBytesRead()));
            }
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] rewriteTensor(byte[] tensor, String name, long[] dims, int rawBytes) throws IOException {
        if (!new String(tensor, java.nio.charset.StandardCharsets.ISO_8859_1).contains(name)) {
            return tensor;
        }
        CodedInputStream in = CodedInputStream.newInstance(tensor);
        String found = "";
        byte[] raw = null;
        int type = 0;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 2 -> type = in.readInt32();
                case 8 -> found = in.readStringRequireUtf8();
                case 9 -> raw = in.readByteArray();
                default -> in.skipField(tag);
            }
        }
        if (!found.equals(name)) {
            return tensor;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        for (long d : dims) {
            out.writeInt64(1, d);
        }
        out.writeInt32(2, type);
        out.writeString(8, found);
        out.writeByteArray(9, Arrays.copyOf(raw, rawBytes));
        out.flush();
        return bytes.toByteArray();
    }
}
