/** The commented example spec that `widthsweep init` writes. */
export const SPEC_TEMPLATE = `# widthsweep study spec (YAML; JSON works too). Schema: \`widthsweep schema\`.
# Every key but name and grid has a default; unknown keys are errors.

# The study id: letters, digits, "_", "." or "-". Re-running a spec with the same name resumes it.
name: my-study
description: L1 error of one-hidden-layer ReLU nets against width

grid:
  dims: [1, 2]                  # input dimensions d, the domain is [0,1]^d
  widths: [4, 8, 16, 32, 64]    # hidden widths m
  seeds: [0, 1, 2]              # training seeds (init, data, evaluation scramble)
  targets:                      # \`widthsweep targets\` lists them all
    - sine                      # a name alone takes the default parameters
    - name: singular            # or an object with the target's parameters
      alpha: 0.5
    - name: disk                # classification targets train a softmax output

train:
  steps: 2000                   # optimizer steps
  samples: auto                 # training points, uniform on [0,1]^d (auto: 4 per parameter, 8 in d >= 2)
  init: random                  # random | reference (a data-driven warm start)
  lr: 0.01                      # (peak) learning rate
  optimizer: auto               # auto | adam | sgd | lsgd | lbfgs (auto: per task kind)
  momentum: 0                   # sgd only
  schedule: cosine              # constant | cosine
  batch: 0                      # minibatch size, 0 = full batch
  loss: auto                    # auto | mse | l1 | cross-entropy (auto: the target's natural loss)

eval:
  samples: 16384                # evaluation points, never the training points
  sampler: sobol                # sobol (scrambled) | uniform
  replicates: 8                 # independent scramblings, for the standard error
  sharpen: 1000                 # logit scale for the sharpened softmax L1
`;
