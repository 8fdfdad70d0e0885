package dev.lgr.deploy.github;

import java.time.Duration;

/**
 * A ping GitHub delivered to the webhook's URL, as its deliveries API reports it.
 *
 * @param deliveryId GitHub's delivery id
 * @param statusCode the HTTP status the endpoint answered with
 * @param status GitHub's words for the outcome ({@code OK})
 * @param duration how long the delivery took, as GitHub measured it
 */
public record PingDelivery(long deliveryId, int statusCode, String status, Duration duration) {}
