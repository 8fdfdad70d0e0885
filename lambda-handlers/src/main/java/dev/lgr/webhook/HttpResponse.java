package dev.lgr.webhook;

/**
 * What the webhook answers: a status and a small JSON body, which GitHub shows in the delivery's
 * "Response" tab.
 */
public record HttpResponse(int status, String body) {}
