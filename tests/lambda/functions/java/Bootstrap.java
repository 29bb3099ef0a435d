// SPDX-License-Identifier: MIT
// A minimal Java runtime interface client (java.base only) with a hello
// function, used to record the shipped java profile: GET the next event,
// call the handler, POST the result or the error, forever.
//   javac -d OUT Bootstrap.java && java -cp OUT Bootstrap
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

public final class Bootstrap {
	private static final String API = "http://" + System.getenv("AWS_LAMBDA_RUNTIME_API")
			+ "/2018-06-01/runtime";

	/** The function: counts its invocations in /tmp and answers. */
	static String handle(String event, String requestId) throws IOException {
		Path counter = Path.of("/tmp/hello-count");
		int count = Files.exists(counter) ? Integer.parseInt(Files.readString(counter).trim()) : 0;
		Files.writeString(counter, Integer.toString(count + 1));
		System.out.println("{\"level\":\"INFO\",\"message\":\"hello\",\"requestId\":\"" + requestId + "\"}");
		return "{\"hello\":" + event + ",\"count\":" + (count + 1) + ",\"at\":\"" + Instant.now() + "\"}";
	}

	private static byte[] readAll(InputStream in) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		in.transferTo(out);
		return out.toByteArray();
	}

	private static void post(String path, String body, String errorType) throws IOException {
		HttpURLConnection c = (HttpURLConnection) new URL(API + path).openConnection();
		c.setRequestMethod("POST");
		c.setDoOutput(true);
		c.setRequestProperty("Content-Type", "application/json");
		if (errorType != null)
			c.setRequestProperty("Lambda-Runtime-Function-Error-Type", errorType);
		try (OutputStream out = c.getOutputStream()) {
			out.write(body.getBytes(StandardCharsets.UTF_8));
		}
		readAll(c.getInputStream());
	}

	public static void main(String[] args) throws IOException {
		for (;;) {
			HttpURLConnection next = (HttpURLConnection) new URL(API + "/invocation/next").openConnection();
			if (next.getResponseCode() != 200)
				System.exit(1);
			String requestId = next.getHeaderField("Lambda-Runtime-Aws-Request-Id");
			String event = new String(readAll(next.getInputStream()), StandardCharsets.UTF_8);
			String trace = next.getHeaderField("Lambda-Runtime-Trace-Id");
			if (trace != null)
				System.setProperty("com.amazonaws.xray.traceHeader", trace);
			try {
				post("/invocation/" + requestId + "/response", handle(event, requestId), null);
			} catch (Exception e) {
				String message = String.valueOf(e.getMessage()).replace("\\", "\\\\").replace("\"", "\\\"");
				post("/invocation/" + requestId + "/error", "{\"errorMessage\":\"" + message
						+ "\",\"errorType\":\"" + e.getClass().getName() + "\"}", "Unhandled");
			}
		}
	}
}
