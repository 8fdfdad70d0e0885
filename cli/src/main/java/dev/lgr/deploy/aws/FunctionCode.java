package dev.lgr.deploy.aws;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Puts a function's code into the bootstrap bucket under its SHA-256, so that unchanged code keeps
 * its key (and CloudFormation sees no change) and an upload happens only for new code.
 */
public final class FunctionCode {
  private final S3Client s3;

  public FunctionCode(S3Client s3) {
    this.s3 = s3;
  }

  /**
   * Where the code went.
   *
   * @param uploaded false when the bucket already held this content
   */
  public record Upload(String bucket, String key, String sha256, long bytes, boolean uploaded) {}

  /**
   * Uploads {@code file} as {@code prefix/<sha256>.jar} unless that object is already there.
   *
   * @throws AwsStepException when S3 refuses (with the bucket and reason)
   */
  public Upload upload(String bucket, String prefix, Path file) throws IOException {
    String sha256 = sha256(file);
    String key = prefix + "/" + sha256 + ".jar";
    long size = Files.size(file);
    try {
      s3.headObject(b -> b.bucket(bucket).key(key));
      return new Upload(bucket, key, sha256, size, false);
    } catch (NoSuchKeyException e) {
      // not there yet
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw AwsStepException.of("look for s3://" + bucket + "/" + key, e);
      }
    }
    try {
      s3.putObject(
          b -> b.bucket(bucket).key(key).contentType("application/java-archive"),
          RequestBody.fromFile(file));
    } catch (S3Exception e) {
      throw AwsStepException.of("upload the function code to s3://" + bucket + "/" + key, e);
    }
    return new Upload(bucket, key, sha256, size, true);
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest = digest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
