package io.pgrwl.plugins.s3;

import java.io.InputStream;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * An s3proxy back end that behaves like the S3-compatible servers that ignore {@code If-None-Match}: s3proxy hands the
 * condition to its in-memory store (which would honour it), and this store drops it first. Everything else is
 * s3proxy's, over real HTTP.
 */
final class IgnoringConditionsBlobStore extends ForwardingBlobStore {

    IgnoringConditionsBlobStore(BlobStore delegate) {
        super(delegate);
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
        return super.putBlob(request.toBuilder().ifNoneMatch(null).build(), content);
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload,
            CompleteMultipartUploadRequest request) {
        return super.completeMultipartUpload(upload, request.toBuilder().ifNoneMatch(null).build());
    }
}
