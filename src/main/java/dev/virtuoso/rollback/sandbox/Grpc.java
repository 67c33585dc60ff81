package dev.virtuoso.rollback.sandbox;

import com.google.protobuf.Timestamp;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.function.Supplier;

/** What every emulator needs: unary answers and protobuf time. */
final class Grpc {
    private Grpc() {
    }

    static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    /** Answers a unary call with a value, or with the status the emulator threw. */
    static <T> void answer(StreamObserver<T> obs, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (StatusRuntimeException e) {
            obs.onError(e);
            return;
        }
        obs.onNext(value);
        obs.onCompleted();
    }
}
