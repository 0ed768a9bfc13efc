import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  confirmSubscription,
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  resendConfirmation,
  rotateWebhookSecret,
  type SubscriptionDeps,
  sendTestEvent,
  subscriptionView,
  updateSubscription,
} from '#shared/services/notifications/subscriptions.ts';
import type { ApiEnv } from '../api-env.ts';
import { etagOf, expectedVersion } from '../etag.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './subscriptions.routes.ts';

export function registerSubscriptionRoutes(app: OpenAPIHono<ApiEnv>, deps: SubscriptionDeps): void {
  app.openapi(routes.createSubscriptionRoute, async (c) => {
    const { subscription, secret } = await createSubscription(deps, requestContext(c), c.req.valid('json'));
    c.header('Location', `/v1/subscriptions/${subscription.id}`);
    return c.json({ ...subscriptionView(subscription), ...(secret ? { secret } : {}) }, 201);
  });

  app.openapi(routes.listSubscriptionsRoute, async (c) => {
    const page = await listSubscriptions(deps, requestContext(c), c.req.valid('query'));
    return c.json(
      {
        items: page.items.map(subscriptionView),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      },
      200,
    );
  });

  app.openapi(routes.getSubscriptionRoute, async (c) => {
    const subscription = await getSubscription(deps, requestContext(c), c.req.valid('param').subscriptionId);
    c.header('ETag', etagOf(subscription.version));
    return c.json(subscriptionView(subscription), 200);
  });

  app.openapi(routes.updateSubscriptionRoute, async (c) => {
    const subscription = await updateSubscription(
      deps,
      requestContext(c),
      c.req.valid('param').subscriptionId,
      c.req.valid('json'),
      expectedVersion(c.req.valid('header')['if-match']),
    );
    c.header('ETag', etagOf(subscription.version));
    return c.json(subscriptionView(subscription), 200);
  });

  app.openapi(routes.deleteSubscriptionRoute, async (c) => {
    await deleteSubscription(
      deps,
      requestContext(c),
      c.req.valid('param').subscriptionId,
      expectedVersion(c.req.valid('header')['if-match']),
    );
    return c.body(null, 204);
  });

  app.openapi(routes.confirmSubscriptionRoute, async (c) => {
    const subscription = await confirmSubscription(
      deps,
      requestContext(c),
      c.req.valid('param').subscriptionId,
      c.req.valid('json').code,
    );
    return c.json(subscriptionView(subscription), 200);
  });

  app.openapi(routes.resendConfirmationRoute, async (c) => {
    await resendConfirmation(deps, requestContext(c), c.req.valid('param').subscriptionId);
    return c.body(null, 202);
  });

  app.openapi(routes.rotateSecretRoute, async (c) => {
    const { subscription, secret, previousValidUntil } = await rotateWebhookSecret(
      deps,
      requestContext(c),
      c.req.valid('param').subscriptionId,
      expectedVersion(c.req.valid('header')['if-match']),
    );
    c.header('ETag', etagOf(subscription.version));
    return c.json({ secret, previousValidUntil }, 200);
  });

  app.openapi(routes.testSubscriptionRoute, async (c) => {
    return c.json(await sendTestEvent(deps, requestContext(c), c.req.valid('param').subscriptionId), 202);
  });

  app.openapi(routes.listDeliveriesRoute, async (c) => {
    const page = await listDeliveries(
      deps,
      requestContext(c),
      c.req.valid('param').subscriptionId,
      c.req.valid('query'),
    );
    return c.json(
      {
        items: page.items.map(({ tenantId: _t, subscriptionId: _s, ...rest }) => rest),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      },
      200,
    );
  });
}
