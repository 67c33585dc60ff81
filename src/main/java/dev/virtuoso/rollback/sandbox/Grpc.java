package dev.virtuoso.rollback.sandbox;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Answers a unary call with a value, or with the status the emulator threw. */
final class Grpc {
    private Grpc() {
    }

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
