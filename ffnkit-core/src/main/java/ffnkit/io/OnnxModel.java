package ffnkit.io;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model (onnx.proto3) that an encoder needs, read with protobuf's wire-format
 * reader: no generated classes, so no copy of onnx.proto in the build. Field numbers are those of
 * onnx.proto (ModelProto.graph = 7, GraphProto.node = 1, initializer = 5, ...).
 */
public final class OnnxModel {

    /** A node of the graph. Attributes keep only what the loader reads: ints, floats and tensors. */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs,
                       Map<String, Attribute> attributes) {

        public String input(int i) {
            return i < inputs.size() ? inputs.get(i) : "";
        }

        public String describe() {
            return "node '" + (name.isEmpty() ? outputs.toString() : name) + "' (" + opType + ")";
        }
    }

    public record Attribute(String name, Float f, Long i, Tensor t, long[] ints) {
    }

    /** A tensor with its element type (onnx TensorProto.DataType) and dims; data decoded on request. */
    public record Tensor(String name, int dataType, long[] dims, ByteString raw, float[] floatData, long[] intData) {

        public static final int FLOAT = 1;
        public static final int UINT8 = 2;
        public static final int INT8 = 3;
        public static final int INT32 = 6;
        public static final int INT64 = 7;

        public long elementCount() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        public float[] floats() {
            long n = elementCount();
            if (dataType != FLOAT) {
                throw new ModelFormatException("tensor '" + name + "' has ONNX type " + dataType + ", expected float");
            }
            float[] out = new float[Math.toIntExact(n)];
            if (raw != null && !raw.isEmpty()) {
                if (raw.size() != n * 4) {
                    throw new ModelFormatException("tensor '" + name + "' holds " + raw.size() + " bytes, its shape needs " + n * 4
                            + ": the model file is corrupt");
                }
                raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            } else if (floatData != null && floatData.length == n) {
                System.arraycopy(floatData, 0, out, 0, out.length);
            } else {
                throw new ModelFormatException("tensor '" + name + "' has no data (external data is not supported): "
                        + "re-export the model with the weights inside the .onnx file");
            }
            return out;
        }

        /** Integer elements (int8, uint8, int32, int64) widened to long. */
        public long[] integers() {
            int n = Math.toIntExact(elementCount());
            long[] out = new long[n];
            if (raw != null && !raw.isEmpty()) {
                ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                int width = switch (dataType) {
                    case UINT8, INT8 -> 1;
                    case INT32 -> 4;
                    case INT64 -> 8;
                    default -> throw new ModelFormatException("tensor '" + name + "' has ONNX type " + dataType
                            + ", expected an integer type");
                };
                if (raw.size() != (long) n * width) {
                    throw new ModelFormatException("tensor '" + name + "' holds " + raw.size() + " bytes, its shape needs "
                            + (long) n * width + ": the model file is corrupt");
                }
                for (int i = 0; i < n; i++) {
                    out[i] = switch (dataType) {
                        case UINT8 -> b.get() & 0xff;
                        case INT8 -> b.get();
                        case INT32 -> b.getInt();
                        default -> b.getLong();
                    };
                }
            } else if (intData != null && intData.length == n) {
                for (int i = 0; i < n; i++) {
                    out[i] = dataType == UINT8 ? intData[i] & 0xff : intData[i];
                }
            } else {
                throw new ModelFormatException("tensor '" + name + "' has no data (external data is not supported)");
            }
            return out;
        }
    }

    private final List<Node> nodes;
    private final Map<String, Tensor> initializers;
    private final List<String> inputs;
    private final List<String> outputs;

    private OnnxModel(List<Node> nodes, Map<String, Tensor> initializers, List<String> inputs, List<String> outputs) {
        this.nodes = nodes;
        this.initializers = initializers;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Map<String, Tensor> initializers() {
        return initializers;
    }

    public List<String> inputs() {
        return inputs;
    }

    public List<String> outputs() {
        return outputs;
    }

    public static OnnxModel parse(byte[] bytes, String source) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            ByteString graph = null;
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                if (WireFormat.getTagFieldNumber(tag) == 7 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    graph = in.readBytes();
                } else {
                    in.skipField(tag);
                }
            }
            if (graph == null) {
                throw new ModelFormatException(source + " is not an ONNX model (no graph found): check the file");
            }
            return parseGraph(graph);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelFormatException m) {
                throw m;
            }
            throw new ModelFormatException(source + " is not a readable ONNX model (" + e.getMessage()
                    + "): the file is truncated or corrupt; copy it again", e);
        }
    }

    private static OnnxModel parseGraph(ByteString graph) throws IOException {
        CodedInputStream in = graph.newCodedInput();
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        List<Node> nodes = new ArrayList<>();
        Map<String, Tensor> inits = new LinkedHashMap<>();
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> nodes.add(parseNode(in.readBytes()));
                case 5 -> {
                    Tensor t = parseTensor(in.readBytes());
                    inits.put(t.name(), t);
                }
                case 11 -> inputs.add(valueInfoName(in.readBytes()));
                case 12 -> outputs.add(valueInfoName(in.readBytes()));
                default -> in.skipField(tag);
            }
        }
        inputs.removeIf(inits::containsKey);
        return new OnnxModel(nodes, inits, inputs, outputs);
    }

    private static String valueInfoName(ByteString b) throws IOException {
        CodedInputStream in = b.newCodedInput();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                return "";
            }
            if (WireFormat.getTagFieldNumber(tag) == 1) {
                return in.readStringRequireUtf8();
            }
            in.skipField(tag);
        }
    }

    private static Node parseNode(ByteString b) throws IOException {
        CodedInputStream in = b.newCodedInput();
        in.enableAliasing(true);
        List<String> ins = new ArrayList<>();
        List<String> outs = new ArrayList<>();
        String name = "";
        String op = "";
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> ins.add(in.readStringRequireUtf8());
                case 2 -> outs.add(in.readStringRequireUtf8());
                case 3 -> name = in.readStringRequireUtf8();
                case 4 -> op = in.readStringRequireUtf8();
                case 5 -> {
                    Attribute a = parseAttribute(in.readBytes());
                    attrs.put(a.name(), a);
                }
                default -> in.skipField(tag);
            }
        }
        return new Node(name, op, ins, outs, attrs);
    }

    private static Attribute parseAttribute(ByteString b) throws IOException {
        CodedInputStream in = b.newCodedInput();
        in.enableAliasing(true);
        String name = "";
        Float f = null;
        Long i = null;
        Tensor t = null;
        List<Long> ints = new ArrayList<>();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            int field = WireFormat.getTagFieldNumber(tag);
            switch (field) {
                case 1 -> name = in.readStringRequireUtf8();
                case 2 -> f = in.readFloat();
                case 3 -> i = in.readInt64();
                case 5 -> t = parseTensor(in.readBytes());
                case 8 -> readInt64s(in, tag, ints);
                default -> in.skipField(tag);
            }
        }
        return new Attribute(name, f, i, t, ints.stream().mapToLong(Long::longValue).toArray());
    }

    private static void readInt64s(CodedInputStream in, int tag, List<Long> into) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                into.add(in.readInt64());
            }
            in.popLimit(limit);
        } else {
            into.add(in.readInt64());
        }
    }

    private static Tensor parseTensor(ByteString b) throws IOException {
        CodedInputStream in = b.newCodedInput();
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = "";
        ByteString raw = null;
        List<Float> floats = new ArrayList<>();
        List<Long> ints = new ArrayList<>();
        boolean external = false;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            int field = WireFormat.getTagFieldNumber(tag);
            boolean packed = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            switch (field) {
                case 1 -> readInt64s(in, tag, dims);
                case 2 -> type = in.readInt32();
                case 4 -> {
                    if (packed) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            floats.add(in.readFloat());
                        }
                        in.popLimit(limit);
                    } else {
                        floats.add(in.readFloat());
                    }
                }
                case 5, 7 -> readInt64s(in, tag, ints);
                case 8 -> name = in.readStringRequireUtf8();
                case 9 -> raw = in.readBytes();
                case 13 -> {
                    external = true;
                    in.skipField(tag);
                }
                default -> in.skipField(tag);
            }
        }
        if (external && raw == null) {
            throw new ModelFormatException("tensor '" + name + "' stores its data in an external file, which ffnkit does not read: "
                    + "re-export the model with the weights inside the .onnx file");
        }
        float[] fd = new float[floats.size()];
        for (int k = 0; k < fd.length; k++) {
            fd[k] = floats.get(k);
        }
        return new Tensor(name, type, dims.stream().mapToLong(Long::longValue).toArray(), raw, fd,
                ints.stream().mapToLong(Long::longValue).toArray());
    }
}
