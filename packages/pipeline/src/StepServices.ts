/**
 * Building a step's plugin services: a plugin's Layer, given the services already built for the
 * step (the data set, the run's compute services, the space for a strategy), for the life of the
 * step's scope. A layer that fails to start fails its step with the plugin's role and label.
 *
 * @since 0.1.0
 */
import { Plugin } from "@spikernel/core"
import { Context, Effect, Layer, type Scope } from "effect"
import type { ResolvedPlugin } from "./Registry.ts"
import { describeFailure, StepError } from "./StepError.ts"

/**
 * The services built so far for a step, whatever they are: plugin layers declare their own needs.
 *
 * @since 0.1.0
 */
// biome-ignore lint/suspicious/noExplicitAny: a context of services a plugin layer may require
export type Services = Context.Context<any>

/**
 * Every service a plugin's layer provides (for plugins whose service key the caller does not name).
 *
 * @since 0.1.0
 */
export const buildContext = (
  step: string,
  role: string,
  resolved: ResolvedPlugin,
  dependencies: Services,
  scope: Scope.Scope
): Effect.Effect<Services, StepError> =>
  Effect.suspend(() =>
    Layer.buildWithScope(
      (resolved.plugin.layer(resolved.config) as Layer.Layer<unknown, unknown, unknown>).pipe(
        Layer.provide(Layer.succeedContext(dependencies))
      ) as Layer.Layer<unknown, unknown>,
      scope
    )
  ).pipe(
    Effect.mapError(
      (error) =>
        new StepError({
          step,
          reason: `${role} ${Plugin.label(resolved.plugin)} failed to start: ${describeFailure(error)}`
        })
    )
  )

/**
 * The service `tag` a plugin provides, with the context it was built in.
 *
 * @since 0.1.0
 */
export const buildService = <I, S>(
  tag: Context.Key<I, S>,
  step: string,
  role: string,
  resolved: ResolvedPlugin,
  dependencies: Services,
  scope: Scope.Scope
): Effect.Effect<{ readonly service: S; readonly context: Services }, StepError> =>
  Effect.map(buildContext(step, role, resolved, dependencies, scope), (context) => ({
    service: Context.get(context as Context.Context<I>, tag),
    context
  }))
