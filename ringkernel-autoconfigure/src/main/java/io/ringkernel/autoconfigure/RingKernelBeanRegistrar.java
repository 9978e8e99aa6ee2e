package io.ringkernel.autoconfigure;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.spring.RingKernelRuntime;

/**
 * Turns every {@link RingKernelDefinition} bean into a {@link RingKernel} bean named by the
 * kernel id and typed {@code RingKernel<I, O>} with the definition's message types, so it can be
 * injected by generic type or with {@code @Qualifier("<id>")}. The kernel itself is created by the
 * {@link RingKernelRuntime} when the bean is first needed.
 *
 * <p>A bean of type {@code RingKernel} that already has the id as its name wins: no kernel is
 * registered for that definition.
 *
 * <p>Kernel ids live inside the definitions, so the definitions are created here, while the bean
 * factory is post-processed. They are meant to be plain values (types, handlers, settings), best
 * declared by {@code static @Bean} methods; a definition whose creation pulls in other beans is
 * reported with a warning, since those beans were created before bean post-processors ran.
 *
 * <p>Thread-safety: used once by the container, on one thread.
 */
final class RingKernelBeanRegistrar implements BeanFactoryPostProcessor, Ordered {

    private static final Log log = LogFactory.getLog(RingKernelBeanRegistrar.class);

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        if (!(beanFactory instanceof BeanDefinitionRegistry registry)) {
            throw new IllegalStateException("ring kernel beans need a bean factory that is a BeanDefinitionRegistry, not "
                    + beanFactory.getClass().getName());
        }
        String[] runtimes = beanFactory.getBeanNamesForType(RingKernelRuntime.class, true, false);
        Map<String, String> definitionNames = new HashMap<>();
        // Kernels that send to each other are created together, so every definition is read first.
        List<RingKernelDefinition<?, ?>> all = new ArrayList<>();
        for (String name : beanFactory.getBeanNamesForType(RingKernelDefinition.class, true, false)) {
            Set<String> before = new HashSet<>(Set.of(beanFactory.getSingletonNames()));
            RingKernelDefinition<?, ?> definition = beanFactory.getBean(name, RingKernelDefinition.class);
            Set<String> early = new TreeSet<>(Set.of(beanFactory.getSingletonNames()));
            early.removeAll(before);
            early.remove(name);
            if (!early.isEmpty()) {
                log.warn("Creating ring kernel definition bean '" + name + "' also created " + early + " before bean"
                        + " post-processing (no @Autowired fields, proxies or @Value in them); declare the definition"
                        + " in a static @Bean method without dependencies");
            }
            String id = definition.id();
            if (id.equals(name)) {
                throw new IllegalStateException("ring kernel definition bean '" + name + "' is named like its kernel id,"
                        + " which is the name of the kernel bean; rename the definition bean (e.g. '" + name
                        + "Definition')");
            }
            if (beanFactory.containsBean(id)) {
                if (beanFactory.isTypeMatch(id, RingKernel.class)) {
                    log.debug("Bean '" + id + "' is a RingKernel already; definition bean '" + name + "' is not turned"
                            + " into a kernel");
                    continue;
                }
                throw new IllegalStateException("ring kernel '" + id + "' (definition bean '" + name + "') cannot be"
                        + " registered: bean name '" + id + "' is taken by a bean that is not a RingKernel");
            }
            String other = definitionNames.putIfAbsent(id, name);
            if (other != null) {
                throw new IllegalStateException("ring kernel definition beans '" + other + "' and '" + name
                        + "' both define kernel '" + id + "'");
            }
            all.add(definition);
        }
        List<RingKernelDefinition<?, ?>> graph = routed(all);
        for (RingKernelDefinition<?, ?> definition : all) {
            String id = definition.id();
            registry.registerBeanDefinition(id, kernelBean(beanFactory, definitionNames.get(id), definition, runtimes,
                    graph.contains(definition) ? graph : null));
        }
    }

    /** The kernels that send or receive messages between kernels: links, their targets, topics. */
    private static List<RingKernelDefinition<?, ?>> routed(List<RingKernelDefinition<?, ?>> all) {
        Set<String> targets = new HashSet<>();
        all.forEach(d -> targets.addAll(d.links().keySet()));
        return all.stream().filter(d -> targets.contains(d.id()) || !d.links().isEmpty() || !d.publishes().isEmpty()
                || !d.subscriptions().isEmpty()).toList();
    }

    private static RootBeanDefinition kernelBean(ConfigurableListableBeanFactory beanFactory, String definitionName,
            RingKernelDefinition<?, ?> definition, String[] runtimes, List<RingKernelDefinition<?, ?>> graph) {
        RootBeanDefinition bean = new RootBeanDefinition(RingKernel.class);
        bean.setTargetType(ResolvableType.forClassWithGenerics(RingKernel.class, definition.requestLayout().type(),
                definition.responseLayout().type()));
        bean.setInstanceSupplier(() -> graph == null ? beanFactory.getBean(RingKernelRuntime.class).create(definition)
                : beanFactory.getBean(RingKernelRuntime.class).createInGraph(definition, graph));
        if (runtimes.length == 1) {
            // Created after, and destroyed before, the runtime that owns its native memory.
            bean.setDependsOn(runtimes[0]);
        }
        bean.setDescription("ring kernel '" + definition.id() + "' from definition bean '" + definitionName + "'");
        return bean;
    }
}
